import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const APPS = { edge: `${root}apps/edge`, worker: `${root}apps/worker`, billing: `${root}apps/billing` };
export const BILLING_DIR = APPS.billing;
/** Per run (the global setup's pid), so two runs on one machine never drop each other's templates. */
export const templateNames = (pid: number) => ({ billing: `gw_e2e_billing_${pid}`, edge: `gw_e2e_edge_${pid}` });
