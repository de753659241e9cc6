-- Current snapshot of the requested customers, one row per customer_no (design §3.2).
-- Redshift enforces no key: identical rows of a key count once; differing rows are
-- resolved by the greatest last_update_ts (NULL oldest), then by every column in column
-- order, ascending, NULLs last (the first such row wins). The dq_* columns count what
-- was collapsed or resolved for the key (read by extract.py, never loaded).
SELECT customer_no, first_name, middle_initial, last_name, address_line1, address_line2,
       city, state_code, zip_code, phone_number, birth_date, credit_limit, account_status,
       open_date, last_update_ts,
       'kept' AS dq_row, copies - variants AS dq_copies, variants - 1 AS dq_resolved,
       tied - 1 AS dq_tied, CAST(NULL AS VARCHAR(16)) AS dq_operation
FROM (
    SELECT *,
           MAX(variant) OVER (PARTITION BY customer_no) AS variants,
           MAX(variant_at_ts) OVER (PARTITION BY customer_no, last_update_ts) AS tied
    FROM (
        SELECT customer_no, first_name, middle_initial, last_name, address_line1,
               address_line2, city, state_code, zip_code, phone_number, birth_date,
               credit_limit, account_status, open_date, last_update_ts,
               COUNT(*) OVER (PARTITION BY customer_no) AS copies,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no
                   ORDER BY first_name NULLS LAST, middle_initial NULLS LAST,
                            last_name NULLS LAST, address_line1 NULLS LAST,
                            address_line2 NULLS LAST, city NULLS LAST, state_code NULLS LAST,
                            zip_code NULLS LAST, phone_number NULLS LAST,
                            birth_date NULLS LAST, credit_limit NULLS LAST,
                            account_status NULLS LAST, open_date NULLS LAST,
                            last_update_ts NULLS LAST
               ) AS variant,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no, last_update_ts
                   ORDER BY first_name NULLS LAST, middle_initial NULLS LAST,
                            last_name NULLS LAST, address_line1 NULLS LAST,
                            address_line2 NULLS LAST, city NULLS LAST, state_code NULLS LAST,
                            zip_code NULLS LAST, phone_number NULLS LAST,
                            birth_date NULLS LAST, credit_limit NULLS LAST,
                            account_status NULLS LAST, open_date NULLS LAST
               ) AS variant_at_ts,
               ROW_NUMBER() OVER (
                   PARTITION BY customer_no
                   ORDER BY last_update_ts DESC NULLS LAST,
                            first_name NULLS LAST, middle_initial NULLS LAST,
                            last_name NULLS LAST, address_line1 NULLS LAST,
                            address_line2 NULLS LAST, city NULLS LAST, state_code NULLS LAST,
                            zip_code NULLS LAST, phone_number NULLS LAST,
                            birth_date NULLS LAST, credit_limit NULLS LAST,
                            account_status NULLS LAST, open_date NULLS LAST
               ) AS pick
        FROM oframe_prd_s.ims_customer
        WHERE customer_no IN ({customer_numbers})
    ) AS ranked
) AS counted
WHERE pick = 1
ORDER BY customer_no
