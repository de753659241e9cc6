-- Current snapshot of the requested customers.
SELECT customer_no, first_name, middle_initial, last_name, address_line1, address_line2,
       city, state_code, zip_code, phone_number, birth_date, credit_limit, account_status,
       open_date, last_update_ts
FROM oframe_prd_s.ims_customer
WHERE customer_no IN ({customer_numbers})
ORDER BY customer_no
