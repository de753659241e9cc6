-- The change log as of the end of :as_of. Per business key (customer_no, crn) the change
-- with the greatest cdc_timestamp before :as_of + 1 day wins; a key whose winning change
-- is a delete, or that has no change before then, is absent. Changes that share the
-- greatest timestamp are ranked D over U over I, so a delete is never hidden by a tie.
SELECT customer_no, crn, crn_status, brand_code, effective_date
FROM (
    SELECT customer_no, crn, crn_status, brand_code, effective_date, cdc_operation,
           ROW_NUMBER() OVER (
               PARTITION BY customer_no, crn
               ORDER BY cdc_timestamp DESC,
                        CASE TRIM(cdc_operation) WHEN 'D' THEN 3 WHEN 'U' THEN 2 ELSE 1 END DESC
           ) AS change_rank
    FROM oframe_cdc_prd_s.ims_mason_crn
    WHERE customer_no IN ({customer_numbers})
      AND cdc_timestamp < CAST(:as_of AS DATE) + 1
) AS latest_change
WHERE change_rank = 1
  AND TRIM(cdc_operation) <> 'D'
ORDER BY customer_no, crn
