-- The privacy gate's source identity of a chunk's customers: one row per customer of
-- ims_customer (names, street line, phone) and one per e-mail address of ims_cus_email.
-- Held only while the chunk is scanned; never written anywhere.
SELECT customer_no, first_name, last_name, address_line1, phone_number,
       CAST(NULL AS VARCHAR(254)) AS email_address
FROM oframe_prd_s.ims_customer
WHERE customer_no IN ({customer_numbers})
UNION ALL
SELECT customer_no, CAST(NULL AS VARCHAR(30)), CAST(NULL AS VARCHAR(40)),
       CAST(NULL AS VARCHAR(60)), CAST(NULL AS VARCHAR(20)), email_address
FROM oframe_prd_s.ims_cus_email
WHERE customer_no IN ({customer_numbers})
ORDER BY customer_no
