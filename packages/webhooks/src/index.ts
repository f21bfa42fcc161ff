export * from "./webhook-secret.ts";
export * from "./sign-webhook.ts";
