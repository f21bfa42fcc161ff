export { default } from "@gateway/vitest-config";
