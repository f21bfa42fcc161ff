import type { ChatJob, ChatMessage, ContentPart } from "@gateway/contracts";
import { EgressRefusedError, type egressFetcher } from "@gateway/egress";

export type ImageFetcher = Pick<ReturnType<typeof egressFetcher>, "fetch">;

/** Far above a photo's size; the limit stops a URL from streaming gigabytes into a worker. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
const IMAGE_TYPES = /^image\/(?:png|jpeg|gif|webp)$/;

/** An image URL the client gave that did not give an image: the request's fault, named by its field. */
export class ImageFetchError extends Error {
  override name = "ImageFetchError";
  constructor(
    readonly param: string,
    reason: string,
  ) {
    super(`could not fetch the image: ${reason}`);
  }
}

async function readCapped(res: Response, param: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > MAX_IMAGE_BYTES) throw new ImageFetchError(param, `it is larger than ${MAX_IMAGE_BYTES} bytes`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

async function dataUrlOf(url: string, param: string, fetcher: ImageFetcher, signal: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = (await fetcher.fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) })) as unknown as Response;
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ImageFetchError(param, err instanceof EgressRefusedError ? err.message : `the request failed (${(err as Error).message})`);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new ImageFetchError(param, `its server answered ${res.status}`);
  }
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!IMAGE_TYPES.test(type)) {
    await res.body?.cancel().catch(() => undefined);
    throw new ImageFetchError(param, `it is '${type || "untyped"}', not a png, jpeg, gif or webp image`);
  }
  return `data:${type};base64,${(await readCapped(res, param)).toString("base64")}`;
}

const isRemote = (part: ContentPart) => part.type === "image_url" && !part.image_url.url.startsWith("data:");

/**
 * The job with every remote image replaced by a data URL, fetched once, before the first
 * backend call, through the egress guard (no tenant-chosen URL reaches an address inside the
 * operator's network, redirects are not followed), so llama-server never fetches anything and a
 * failover never fetches twice. A job without remote images is returned as it is.
 */
export async function withFetchedImages(job: ChatJob, fetcher: ImageFetcher, signal: AbortSignal): Promise<ChatJob> {
  const { messages } = job.params;
  if (!messages.some((m) => Array.isArray(m.content) && m.content.some(isRemote))) return job;
  const fetched: ChatMessage[] = await Promise.all(
    messages.map(async (m, i) => {
      if (!Array.isArray(m.content) || !m.content.some(isRemote)) return m;
      const content = await Promise.all(
        m.content.map(async (part, j): Promise<ContentPart> => {
          if (part.type !== "image_url" || !isRemote(part)) return part;
          const url = await dataUrlOf(part.image_url.url, `messages.${i}.content.${j}.image_url.url`, fetcher, signal);
          return { ...part, image_url: { ...part.image_url, url } };
        }),
      );
      return { ...m, content };
    }),
  );
  return { ...job, params: { ...job.params, messages: fetched } };
}
