import { randomBytes } from "node:crypto";

/** `<prefix>_<ms in base 36, fixed width><random>`: ids sort by creation, so an id is the list cursor. */
export const sortableId = (prefix: "conv" | "msg") =>
  `${prefix}_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
