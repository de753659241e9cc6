-- Current snapshot of the requested customers' preferences.
SELECT customer_no, preference_code, preference_value, channel, updated_ts
FROM oframe_prd_s.ims_mason_preferences
WHERE customer_no IN ({customer_numbers})
ORDER BY customer_no, preference_code
