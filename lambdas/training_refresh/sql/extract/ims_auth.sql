-- Authorisations made before the end of :as_of for the orders that ims_order.sql selects.
SELECT a.auth_id, a.order_no, a.auth_amount, a.auth_status, a.auth_code, a.card_type,
       a.card_last4, a.auth_ts
FROM oframe_prd_s.ims_auth AS a
JOIN oframe_prd_s.ims_order AS o ON o.order_no = a.order_no
WHERE o.customer_no IN ({customer_numbers})
  AND o.order_date <= CAST(:as_of AS DATE)
  AND a.auth_ts < CAST(:as_of AS DATE) + 1
ORDER BY a.auth_id
