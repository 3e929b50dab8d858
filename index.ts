import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./components/config/load";
import { migrationStack } from "./components/stack";

// Validation runs before any resource is declared: a config error stops the
// program with one message and nothing registered.
export = migrationStack(loadStackConfig(), { project: pulumi.getProject(), stack: pulumi.getStack() });
