export * from "./egress-policy.ts";
export * from "./url-refusal.ts";
export * from "./guarded-lookup.ts";
export * from "./egress-fetch.ts";
