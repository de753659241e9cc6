#!/usr/bin/env node
// `make synth`: warn (never fail) when Node is older than the CDK toolchain's version.
// package.json "engines" and .nvmrc name it; jsii (under aws-cdk-lib) supports 22 and 24.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const wanted = Number(fs.readFileSync(path.join(__dirname, "..", ".nvmrc"), "utf8").trim());
const running = Number(process.versions.node.split(".")[0]);
if (running < wanted) {
  console.error(
    `warning: Node ${process.versions.node} is older than Node ${wanted}, which the CDK` +
      ` toolchain is pinned to (.nvmrc, package.json engines): the synth goes on, but jsii` +
      ` no longer supports it. Use Node ${wanted} (e.g. \`nvm use\`) to deploy.`,
  );
}
