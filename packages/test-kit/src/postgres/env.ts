/** A role allowed to CREATE and DROP databases; the default matches the dev machines' trust auth. */
export function adminUrl(): string {
  return process.env.TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}
