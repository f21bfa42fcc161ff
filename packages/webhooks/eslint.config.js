export { default } from "@gateway/eslint-config";
