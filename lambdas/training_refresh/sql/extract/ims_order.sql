-- The requested customers' orders placed on or before :as_of, one row per order_no
-- (design §3.2). Every source row of an order the chunk's customers hold is ranked, so
-- the winner never depends on which customers share the chunk: identical rows count
-- once; differing rows are resolved by the greatest last_update_ts (NULL oldest), then
-- by every column in column order, ascending, NULLs last. An order whose winning row
-- names another customer is that customer's (it moved). The dq_* columns count what was
-- collapsed or resolved.
WITH chunk_orders AS (
    SELECT DISTINCT order_no, customer_no
    FROM oframe_prd_s.ims_order
    WHERE customer_no IN ({customer_numbers})
      AND order_date <= CAST(:as_of AS DATE)
)
SELECT order_no, customer_no, order_date, order_status, order_total, ship_method,
       catalog_code, last_update_ts,
       'kept' AS dq_row, copies - variants AS dq_copies, variants - 1 AS dq_resolved,
       tied - 1 AS dq_tied, CAST(NULL AS VARCHAR(16)) AS dq_operation
FROM (
    SELECT *,
           MAX(variant) OVER (PARTITION BY order_no) AS variants,
           MAX(variant_at_ts) OVER (PARTITION BY order_no, last_update_ts) AS tied
    FROM (
        SELECT order_no, customer_no, order_date, order_status, order_total, ship_method,
               catalog_code, last_update_ts,
               COUNT(*) OVER (PARTITION BY order_no) AS copies,
               DENSE_RANK() OVER (
                   PARTITION BY order_no
                   ORDER BY customer_no NULLS LAST, order_date NULLS LAST,
                            order_status NULLS LAST, order_total NULLS LAST,
                            ship_method NULLS LAST, catalog_code NULLS LAST,
                            last_update_ts NULLS LAST
               ) AS variant,
               DENSE_RANK() OVER (
                   PARTITION BY order_no, last_update_ts
                   ORDER BY customer_no NULLS LAST, order_date NULLS LAST,
                            order_status NULLS LAST, order_total NULLS LAST,
                            ship_method NULLS LAST, catalog_code NULLS LAST
               ) AS variant_at_ts,
               ROW_NUMBER() OVER (
                   PARTITION BY order_no
                   ORDER BY last_update_ts DESC NULLS LAST, customer_no NULLS LAST,
                            order_date NULLS LAST, order_status NULLS LAST,
                            order_total NULLS LAST, ship_method NULLS LAST,
                            catalog_code NULLS LAST
               ) AS pick
        FROM oframe_prd_s.ims_order
        WHERE order_no IN (SELECT order_no FROM chunk_orders)
          AND order_date <= CAST(:as_of AS DATE)
    ) AS ranked
) AS counted
WHERE pick = 1
  AND customer_no IN (SELECT customer_no FROM chunk_orders)
ORDER BY order_no
