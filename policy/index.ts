import { PolicyPack } from "@pulumi/policy";
import { baselinePolicies } from "./pack";

// Entry point for `pulumi preview --policy-pack policy`: the Pulumi CLI runs
// this file with policy/ as the working directory (the version comes from
// policy/package.json).
new PolicyPack("adls-migration-baseline", {
  description: "Security baseline of the adls-migration stacks (ADLS Gen2 account, Data Factory, RBAC).",
  enforcementLevel: "mandatory",
  policies: baselinePolicies(),
});
