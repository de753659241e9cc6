-- Current snapshot of the requested customers' e-mail addresses.
SELECT customer_no, email_seq, email_address, email_type, opt_in_flag, last_update_ts
FROM oframe_prd_s.ims_cus_email
WHERE customer_no IN ({customer_numbers})
ORDER BY customer_no, email_seq
