import { CreateJobRequest, Job, JobList, ListQuery } from "@gateway/contracts";
import { z } from "zod";
import { CHAT_REQUEST_EXAMPLE } from "./chat-paths.ts";
import { errorResponses, INFERENCE_ERRORS } from "./error-responses.ts";
import { EXAMPLE_REQUEST_ID, json, ok, RATE_LIMIT_HEADERS, SECURITY, sse, type DocContext } from "./openapi-kit.ts";

const JOB_EXAMPLE = {
  id: EXAMPLE_REQUEST_ID,
  object: "job",
  type: "chat.completion",
  model: "stories260k",
  status: "succeeded",
  created: 1764400000,
  position: null,
  result: {
    id: `chatcmpl-${EXAMPLE_REQUEST_ID}`,
    object: "chat.completion",
    created: 1764400000,
    model: "stories260k",
    choices: [{ index: 0, message: { role: "assistant", content: " there was a little girl." }, finish_reason: "stop" }],
    usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18, cost: "0.000002" },
  },
  usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
  error: null,
  webhook_url: null,
  links: { self: `/v1/jobs/${EXAMPLE_REQUEST_ID}`, events: `/v1/jobs/${EXAMPLE_REQUEST_ID}/events` },
};

const EVENTS_EXAMPLE = [
  `id: 1764400000000-0\nevent: chunk\ndata: {"id":"chatcmpl-${EXAMPLE_REQUEST_ID}","object":"chat.completion.chunk","created":1764400000,"model":"stories260k","choices":[{"index":0,"delta":{"role":"assistant","content":" there"},"finish_reason":null}]}`,
  `id: 1764400000002-0\nevent: succeeded\ndata: ${JSON.stringify(JOB_EXAMPLE)}`,
].join("\n\n");

const idParam = z.object({ id: z.string().meta({ description: "The job's id.", example: EXAMPLE_REQUEST_ID }) });

export function documentJobs({ registry, schema }: DocContext): void {
  const job = schema("Job", Job);
  const accepted = schema(
    "JobAccepted",
    z.object({
      id: z.string(),
      object: z.literal("job"),
      status: z.literal("queued"),
      created: z.number().int(),
      links: z.object({ self: z.string(), events: z.string() }),
    }),
  );
  registry.registerPath({
    method: "post",
    path: "/v1/jobs",
    operationId: "createJob",
    summary: "Submit an asynchronous job",
    description:
      "A chat completion or embeddings request run in the background; poll it, follow it over SSE, or get a webhook. A `webhook_url` must name a public address (a loopback, private or link-local one is refused with 400), and the tenant needs a webhook secret (an operator creates it): each delivery is signed with it, Standard Webhooks style.",
    tags: ["Jobs"],
    security: SECURITY.apiKey,
    request: {
      headers: z.object({
        "idempotency-key": z.string().optional().meta({ description: "A retry with the same key and body returns the first job (24 h)." }),
      }),
      body: {
        required: true,
        content: json(schema("CreateJobRequest", CreateJobRequest), { type: "chat.completion", request: CHAT_REQUEST_EXAMPLE }),
      },
    },
    responses: {
      202: ok(
        "Accepted; `Location` is the job.",
        json(accepted, { id: EXAMPLE_REQUEST_ID, object: "job", status: "queued", created: 1764400000, links: JOB_EXAMPLE.links }),
        RATE_LIMIT_HEADERS,
      ),
      ...errorResponses(...INFERENCE_ERRORS, "max_tokens_exceeded", "idempotency_conflict"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/jobs",
    operationId: "listJobs",
    summary: "List jobs",
    description: "The tenant's jobs, newest first, in cursor pages.",
    tags: ["Jobs"],
    security: SECURITY.apiKey,
    request: { query: ListQuery },
    responses: {
      200: ok(
        "A page of jobs.",
        json(schema("JobList", JobList), {
          object: "list",
          data: [JOB_EXAMPLE],
          has_more: false,
          first_id: JOB_EXAMPLE.id,
          last_id: JOB_EXAMPLE.id,
        }),
      ),
      ...errorResponses("invalid_api_key", "invalid_request", "unknown_parameter"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/jobs/{id}",
    operationId: "retrieveJob",
    summary: "Retrieve a job",
    description: "Status (queued with its position, running, succeeded, failed, cancelled), and the result once there is one.",
    tags: ["Jobs"],
    security: SECURITY.apiKey,
    request: { params: idParam },
    responses: { 200: ok("The job.", json(job, JOB_EXAMPLE)), ...errorResponses("invalid_api_key", "not_found", "job_expired") },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/jobs/{id}",
    operationId: "cancelJob",
    summary: "Cancel a job",
    description: "Cancels a queued or running job (tokens already produced are billed); a finished job is returned unchanged.",
    tags: ["Jobs"],
    security: SECURITY.apiKey,
    request: { params: idParam },
    responses: {
      200: ok("The job after the cancel.", json(job, { ...JOB_EXAMPLE, status: "cancelled", result: null, usage: null })),
      ...errorResponses("invalid_api_key", "not_found", "job_expired"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/jobs/{id}/events",
    operationId: "streamJobEvents",
    summary: "Follow a job's events",
    description:
      "Server-sent events: `chunk` events of a chat job, then one final event named after the status carrying the Job. Resume with Last-Event-ID.",
    tags: ["Jobs"],
    security: SECURITY.apiKey,
    request: {
      params: idParam,
      query: z.object({ last_event_id: z.string().optional().meta({ description: "For clients that cannot send Last-Event-ID." }) }),
      headers: z.object({ "last-event-id": z.string().optional().meta({ description: "The last event id received." }) }),
    },
    responses: { 200: sse("The job's events.", EVENTS_EXAMPLE), ...errorResponses("invalid_api_key", "not_found", "job_expired") },
  });
}
