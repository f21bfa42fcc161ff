import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const APPS = { edge: `${root}apps/edge`, worker: `${root}apps/worker`, billing: `${root}apps/billing` };
export const BILLING_DIR = APPS.billing;
export const BILLING_TEMPLATE = "gw_e2e_billing_tpl";
