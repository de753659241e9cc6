-- Authorisations made before the end of :as_of for the orders that ims_order.sql selects
-- (the same ranking of order rows, repeated here so each statement stands alone), one row
-- per auth_id (design §3.2): every source row of such an auth is ranked; identical rows
-- count once; differing rows are resolved by the greatest auth_ts (NULL oldest), then by
-- every column in column order, ascending, NULLs last. The dq_* columns count what was
-- collapsed or resolved.
WITH chunk_orders AS (
    SELECT DISTINCT order_no, customer_no
    FROM oframe_prd_s.ims_order
    WHERE customer_no IN ({customer_numbers})
      AND order_date <= CAST(:as_of AS DATE)
), order_winners AS (
    SELECT order_no, customer_no
    FROM (
        SELECT order_no, customer_no,
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
    ) AS ranked_orders
    WHERE pick = 1
      AND customer_no IN (SELECT customer_no FROM chunk_orders)
), chunk_auths AS (
    SELECT DISTINCT a.auth_id
    FROM oframe_prd_s.ims_auth AS a
    JOIN order_winners AS o ON o.order_no = a.order_no
    WHERE a.auth_ts < CAST(:as_of AS DATE) + 1
)
SELECT auth_id, order_no, auth_amount, auth_status, auth_code, card_type, card_last4,
       auth_ts,
       'kept' AS dq_row, copies - variants AS dq_copies, variants - 1 AS dq_resolved,
       tied - 1 AS dq_tied, CAST(NULL AS VARCHAR(16)) AS dq_operation
FROM (
    SELECT *,
           MAX(variant) OVER (PARTITION BY auth_id) AS variants,
           MAX(variant_at_ts) OVER (PARTITION BY auth_id, auth_ts) AS tied
    FROM (
        SELECT auth_id, order_no, auth_amount, auth_status, auth_code, card_type,
               card_last4, auth_ts, winning_order,
               COUNT(*) OVER (PARTITION BY auth_id) AS copies,
               DENSE_RANK() OVER (
                   PARTITION BY auth_id
                   ORDER BY order_no NULLS LAST, auth_amount NULLS LAST,
                            auth_status NULLS LAST, auth_code NULLS LAST,
                            card_type NULLS LAST, card_last4 NULLS LAST, auth_ts NULLS LAST
               ) AS variant,
               DENSE_RANK() OVER (
                   PARTITION BY auth_id, auth_ts
                   ORDER BY order_no NULLS LAST, auth_amount NULLS LAST,
                            auth_status NULLS LAST, auth_code NULLS LAST,
                            card_type NULLS LAST, card_last4 NULLS LAST
               ) AS variant_at_ts,
               ROW_NUMBER() OVER (
                   PARTITION BY auth_id
                   ORDER BY auth_ts DESC NULLS LAST, order_no NULLS LAST,
                            auth_amount NULLS LAST, auth_status NULLS LAST,
                            auth_code NULLS LAST, card_type NULLS LAST,
                            card_last4 NULLS LAST
               ) AS pick
        FROM (
            SELECT a.auth_id, a.order_no, a.auth_amount, a.auth_status, a.auth_code,
                   a.card_type, a.card_last4, a.auth_ts,
                   CASE WHEN w.order_no IS NULL THEN 0 ELSE 1 END AS winning_order
            FROM oframe_prd_s.ims_auth AS a
            JOIN chunk_auths AS c ON c.auth_id = a.auth_id
            LEFT JOIN order_winners AS w ON w.order_no = a.order_no
            WHERE a.auth_ts < CAST(:as_of AS DATE) + 1
        ) AS joined
    ) AS ranked
) AS counted
WHERE pick = 1
  AND winning_order = 1
ORDER BY auth_id
