-- Current snapshot of the requested customers' preferences, one row per
-- (customer_no, preference_code): identical rows count once; differing rows are resolved
-- by the greatest updated_ts (NULL oldest), then by every column in column order,
-- ascending, NULLs last (design §3.2). The dq_* columns count what was collapsed or resolved.
SELECT customer_no, preference_code, preference_value, channel, updated_ts,
       'kept' AS dq_row, copies - variants AS dq_copies, variants - 1 AS dq_resolved,
       tied - 1 AS dq_tied, CAST(NULL AS VARCHAR(16)) AS dq_operation
FROM (
    SELECT *,
           MAX(variant) OVER (PARTITION BY customer_no, preference_code) AS variants,
           MAX(variant_at_ts) OVER (
               PARTITION BY customer_no, preference_code, updated_ts
           ) AS tied
    FROM (
        SELECT customer_no, preference_code, preference_value, channel, updated_ts,
               COUNT(*) OVER (PARTITION BY customer_no, preference_code) AS copies,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no, preference_code
                   ORDER BY preference_value NULLS LAST, channel NULLS LAST,
                            updated_ts NULLS LAST
               ) AS variant,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no, preference_code, updated_ts
                   ORDER BY preference_value NULLS LAST, channel NULLS LAST
               ) AS variant_at_ts,
               ROW_NUMBER() OVER (
                   PARTITION BY customer_no, preference_code
                   ORDER BY updated_ts DESC NULLS LAST, preference_value NULLS LAST,
                            channel NULLS LAST
               ) AS pick
        FROM oframe_prd_s.ims_mason_preferences
        WHERE customer_no IN ({customer_numbers})
    ) AS ranked
) AS counted
WHERE pick = 1
ORDER BY customer_no, preference_code
