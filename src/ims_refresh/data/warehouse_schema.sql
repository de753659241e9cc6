-- The Redshift source tables of docs/design.md §2, reproduced in PostgreSQL for local runs.
-- Only types that Redshift also has are used, so the same DDL documents both sides.
-- Every statement is idempotent: running this file on an existing warehouse changes nothing.
-- docs/design.md: "values can be NULL except keys", so only key columns are NOT NULL.

CREATE SCHEMA IF NOT EXISTS oframe_prd_s;
CREATE SCHEMA IF NOT EXISTS oframe_cdc_prd_s;

CREATE TABLE IF NOT EXISTS oframe_prd_s.ims_customer (
    customer_no     BIGINT        NOT NULL,
    first_name      VARCHAR(30),
    middle_initial  CHAR(1),
    last_name       VARCHAR(40),
    address_line1   VARCHAR(60),
    address_line2   VARCHAR(60),
    city            VARCHAR(40),
    state_code      CHAR(2),
    zip_code        VARCHAR(10),
    phone_number    VARCHAR(20),
    birth_date      DATE,
    credit_limit    DECIMAL(11,2),
    account_status  CHAR(1),
    open_date       DATE,
    last_update_ts  TIMESTAMP,
    PRIMARY KEY (customer_no)
);

CREATE TABLE IF NOT EXISTS oframe_prd_s.ims_cus_email (
    customer_no     BIGINT        NOT NULL,
    email_seq       SMALLINT      NOT NULL,
    email_address   VARCHAR(254),
    email_type      VARCHAR(10),
    opt_in_flag     CHAR(1),
    last_update_ts  TIMESTAMP,
    PRIMARY KEY (customer_no, email_seq)
);

-- A change log: one row per change, so (customer_no, crn) repeats and there is no primary
-- key. The index serves the per-key "latest change before the as-of date" lookup.
CREATE TABLE IF NOT EXISTS oframe_cdc_prd_s.ims_mason_crn (
    customer_no     BIGINT        NOT NULL,
    crn             VARCHAR(20)   NOT NULL,
    crn_status      CHAR(1),
    brand_code      VARCHAR(4),
    effective_date  DATE,
    cdc_operation   CHAR(1),
    cdc_timestamp   TIMESTAMP
);
CREATE INDEX IF NOT EXISTS ims_mason_crn_business_key
    ON oframe_cdc_prd_s.ims_mason_crn (customer_no, crn);

CREATE TABLE IF NOT EXISTS oframe_prd_s.ims_mason_preferences (
    customer_no       BIGINT        NOT NULL,
    preference_code   VARCHAR(20)   NOT NULL,
    preference_value  VARCHAR(100),
    channel           VARCHAR(10),
    updated_ts        TIMESTAMP,
    PRIMARY KEY (customer_no, preference_code)
);

CREATE TABLE IF NOT EXISTS oframe_prd_s.ims_order (
    order_no        BIGINT        NOT NULL,
    customer_no     BIGINT,
    order_date      DATE,
    order_status    VARCHAR(12),
    order_total     DECIMAL(11,2),
    ship_method     VARCHAR(10),
    catalog_code    VARCHAR(8),
    last_update_ts  TIMESTAMP,
    PRIMARY KEY (order_no)
);
-- Redshift finds a customer's orders through its sort key; PostgreSQL needs an index for
-- the extraction queries to stay fast on a large warehouse.
CREATE INDEX IF NOT EXISTS ims_order_customer_no ON oframe_prd_s.ims_order (customer_no);

-- No customer_no here: a customer's authorisations are found through ims_order.
CREATE TABLE IF NOT EXISTS oframe_prd_s.ims_auth (
    auth_id         BIGINT        NOT NULL,
    order_no        BIGINT,
    auth_amount     DECIMAL(11,2),
    auth_status     VARCHAR(10),
    auth_code       VARCHAR(10),
    card_type       VARCHAR(10),
    card_last4      CHAR(4),
    auth_ts         TIMESTAMP,
    PRIMARY KEY (auth_id)
);
CREATE INDEX IF NOT EXISTS ims_auth_order_no ON oframe_prd_s.ims_auth (order_no);
