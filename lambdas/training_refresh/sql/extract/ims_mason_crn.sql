-- The change log as of the end of :as_of (design §3.2). Operations are compared trimmed
-- and upper-cased. Per business key (customer_no, crn) the valid change with the greatest
-- cdc_timestamp before :as_of + 1 day wins; changes that share that timestamp are ranked
-- D over U over I, then by crn_status, brand_code, effective_date ascending, NULLs last.
-- A key whose winning change is a delete (dq_row 'deleted'), or that has no change before
-- then, is not loaded. A change whose operation is not I, U or D after trimming and
-- upper-casing, or is NULL, or whose cdc_timestamp is NULL, is returned as 'rejected'
-- with its operation as found: extract.py fails the config on it (DataQualityError).
WITH changes AS (
    SELECT customer_no, crn, crn_status, brand_code, effective_date, cdc_timestamp,
           cdc_operation,
           UPPER(TRIM(cdc_operation)) AS operation,
           CASE WHEN cdc_timestamp IS NOT NULL
                 AND UPPER(TRIM(cdc_operation)) IN ('I', 'U', 'D') THEN 1 ELSE 0 END AS valid
    FROM oframe_cdc_prd_s.ims_mason_crn
    WHERE customer_no IN ({customer_numbers})
      AND (cdc_timestamp < CAST(:as_of AS DATE) + 1 OR cdc_timestamp IS NULL)
)
SELECT customer_no, crn, crn_status, brand_code, effective_date,
       CASE WHEN valid = 0 THEN 'rejected'
            WHEN operation = 'D' THEN 'deleted' ELSE 'kept' END AS dq_row,
       copies - variants AS dq_copies, 0 AS dq_resolved, variants - 1 AS dq_tied,
       CASE WHEN valid = 0 THEN cdc_operation END AS dq_operation
FROM (
    SELECT *,
           MAX(variant) OVER (PARTITION BY customer_no, crn, valid, cdc_timestamp) AS variants
    FROM (
        SELECT customer_no, crn, crn_status, brand_code, effective_date, cdc_operation,
               operation, valid, cdc_timestamp,
               COUNT(*) OVER (PARTITION BY customer_no, crn, valid, cdc_timestamp) AS copies,
               DENSE_RANK() OVER (
                   PARTITION BY customer_no, crn, valid, cdc_timestamp
                   ORDER BY operation NULLS LAST, crn_status NULLS LAST,
                            brand_code NULLS LAST, effective_date NULLS LAST
               ) AS variant,
               ROW_NUMBER() OVER (
                   PARTITION BY customer_no, crn, valid
                   ORDER BY cdc_timestamp DESC,
                            CASE operation WHEN 'D' THEN 3 WHEN 'U' THEN 2 ELSE 1 END DESC,
                            crn_status NULLS LAST, brand_code NULLS LAST,
                            effective_date NULLS LAST
               ) AS pick
        FROM changes
    ) AS ranked
) AS counted
WHERE valid = 0 OR pick = 1
ORDER BY customer_no, crn
