-- The requested customers' orders placed on or before :as_of.
SELECT order_no, customer_no, order_date, order_status, order_total, ship_method,
       catalog_code, last_update_ts
FROM oframe_prd_s.ims_order
WHERE customer_no IN ({customer_numbers})
  AND order_date <= CAST(:as_of AS DATE)
ORDER BY order_no
