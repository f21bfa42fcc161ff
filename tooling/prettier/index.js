/** The one code style: wide lines as the code always had, everything else Prettier's defaults. */
export default {
  printWidth: 140,
  trailingComma: "all",
};
