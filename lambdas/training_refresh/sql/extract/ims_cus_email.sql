-- Current snapshot of the requested customers' e-mail addresses, one row per
-- (customer_no, email_seq): identical rows count once; differing rows are resolved by the
-- greatest last_update_ts (NULL oldest), then by every column in column order, ascending,
-- NULLs last (design §3.2). The dq_* columns count what was collapsed or resolved.
SELECT customer_no, email_seq, email_address, email_type, opt_in_flag, last_update_ts,
       'kept' AS dq_row, copies - variants AS dq_copies, variants - 1 AS dq_resolved,
       tied - 1 AS dq_tied, CAST(NULL AS VARCHAR(16)) AS dq_operation
FROM (
    SELECT *,
           MAX(variant) OVER (PARTITION BY customer_no, email_seq) AS variants,
           MAX(variant_at_ts) OVER (
               PARTITION BY customer_no, email_seq, last_update_ts
           ) AS tied
    FROM (
        SELECT customer_no, email_seq, email_address, email_type, opt_in_flag,
               last_update_ts,
               COUNT(*) OVER (PARTITION BY customer_no, email_seq) AS copies,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no, email_seq
                   ORDER BY email_address NULLS LAST, email_type NULLS LAST,
                            opt_in_flag NULLS LAST, last_update_ts NULLS LAST
               ) AS variant,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no, email_seq, last_update_ts
                   ORDER BY email_address NULLS LAST, email_type NULLS LAST,
                            opt_in_flag NULLS LAST
               ) AS variant_at_ts,
               ROW_NUMBER() OVER (
                   PARTITION BY customer_no, email_seq
                   ORDER BY last_update_ts DESC NULLS LAST, email_address NULLS LAST,
                            email_type NULLS LAST, opt_in_flag NULLS LAST
               ) AS pick
        FROM oframe_prd_s.ims_cus_email
        WHERE customer_no IN ({customer_numbers})
    ) AS ranked
) AS counted
WHERE pick = 1
ORDER BY customer_no, email_seq
