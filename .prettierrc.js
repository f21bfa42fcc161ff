export { default } from "@gateway/prettier-config";
