/** OpenAI's list envelope: `after=<last_id>` fetches the next page while `has_more` is true. */
export function listPage<T extends { id: string }>(page: { data: T[]; hasMore: boolean }) {
  return {
    object: "list" as const,
    data: page.data,
    has_more: page.hasMore,
    first_id: page.data[0]?.id ?? null,
    last_id: page.data.at(-1)?.id ?? null,
  };
}
