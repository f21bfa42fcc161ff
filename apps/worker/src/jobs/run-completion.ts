import type {
  CompletionJob,
  CompletionLogprobs,
  CompletionPrompt,
  FinishReason,
  TextCompletion,
  TextCompletionChunk,
  Usage,
} from "@gateway/contracts";
import { withFailover, type DispatchLimits } from "../backends/with-failover.ts";
import type { OnPiece } from "../llama/answer-piece.ts";
import { llamaCompletionBody } from "../llama/llama-completion-body.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { generationMetrics } from "./chat-call.ts";
import { promptFits } from "./context-guard.ts";
import { dispatchBatches } from "./dispatch-batches.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import { JobEnd } from "./job-end.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { joinLegacyLogprobs, legacyLogprobs } from "./legacy-logprobs.ts";
import { resolveUsage } from "./resolve-usage.ts";

/** One prompt's choice as it is generated. */
interface Choice {
  index: number;
  prompt: CompletionPrompt;
  /** The prompt's text when the job echoes it (token prompts detokenized), else "". */
  echo: string;
  text: string[];
  logprobs: CompletionLogprobs[];
  /** Tokens said so far (what a failure bills), and where the next one starts in the choice's text. */
  tokens: number;
  offset: number;
  finish: FinishReason;
  usage?: Usage;
  backend?: string;
}

const promptString = (prompt: CompletionPrompt) => (typeof prompt === "string" ? prompt : "");

/** The text of each prompt for echo: token prompts as a backend's /detokenize gives them back. */
async function echoes(job: CompletionJob, run: JobRun, deps: InferenceDeps): Promise<string[]> {
  if (job.params.echo !== true) return job.params.prompts.map(() => "");
  const backend = deps.pool.tokenizers(job.model)[0];
  return Promise.all(
    job.params.prompts.map(async (prompt) => {
      if (typeof prompt === "string") return prompt;
      const text = backend === undefined ? undefined : await deps.client.detokenize(backend, prompt);
      if (text === undefined)
        throw run.refuse({ code: "upstream_error", message: "no backend turned the token prompt back into text for echo" });
      return text;
    }),
  );
}

/** Every prompt with max_tokens must fit the model's context (llama-server would silently drop the prompt's start). */
async function checkContext(job: CompletionJob, run: JobRun, deps: InferenceDeps): Promise<void> {
  const context = deps.pool.contextLength(job.model);
  if (context === undefined) return;
  const budget = context - job.params.max_tokens;
  for (const [index, prompt] of job.params.prompts.entries()) {
    const verdict =
      typeof prompt === "string"
        ? await promptFits(prompt, 1, budget, deps.pool.tokenizers(job.model), deps.client)
        : { outcome: prompt.length <= budget ? ("fits" as const) : ("exceeded" as const), tokens: prompt.length };
    deps.metrics.contextChecks.inc({ model: job.model, outcome: verdict.outcome });
    if (verdict.outcome !== "exceeded") continue;
    const size = verdict.tokens === undefined ? "" : ` has ${verdict.tokens} tokens and`;
    throw run.refuse({
      code: "context_length_exceeded",
      message: `this model's context is ${context} tokens: prompt ${index}${size} max_tokens asks for ${job.params.max_tokens}`,
    });
  }
}

/**
 * A legacy text completion: each prompt is its own generation on its own slot, side by side (as
 * embeddings batches), streamed upstream; the client gets OpenAI's shape, one `text_completion`
 * with a choice per prompt (b4748 answers an array of responses), `cmpl-` id, legacy logprobs,
 * usage summed. In a stream the choices' chunks interleave, each ending with its finish_reason.
 */
export async function runCompletion(job: CompletionJob, run: JobRun, deps: InferenceDeps): Promise<InferenceOutcome> {
  const texts = await echoes(job, run, deps);
  await checkContext(job, run, deps);
  const end = new JobEnd(job, run, deps);
  const identity = { id: `cmpl-${job.request_id}`, model: job.model, created: Math.floor(end.startedAt / 1000) };
  const top = job.params.logprobs;
  let seq = 0;
  const publish = (choice: Choice, text: string, logprobs: CompletionLogprobs | null, finish: FinishReason | null) => {
    const chunk: TextCompletionChunk = {
      ...identity,
      object: "text_completion",
      choices: [{ text, index: choice.index, logprobs, finish_reason: finish }],
    };
    deps.publish(job, { type: "chunk", request_id: job.request_id, seq: seq++, attempt: run.attempt, chunk });
  };
  const choices: Choice[] = job.params.prompts.map((prompt, index) => {
    const echo = texts[index] ?? "";
    return { index, prompt, echo, text: [], logprobs: [], tokens: 0, offset: echo.length, finish: "stop" };
  });

  const runPrompt = async (choice: Choice, limits: DispatchLimits): Promise<Choice> => {
    if (job.stream && choice.echo !== "") publish(choice, choice.echo, null, null);
    const onContent: OnPiece = (text, extra) => {
      choice.tokens++;
      const logprobs = top !== undefined && extra?.logprobs ? legacyLogprobs(extra.logprobs, choice.offset, top) : null;
      choice.text.push(text);
      choice.offset += text.length;
      if (logprobs) choice.logprobs.push(logprobs);
      if (job.stream) publish(choice, text, logprobs, null);
    };
    const restart = () => Object.assign(choice, { text: [], logprobs: [], tokens: 0, offset: choice.echo.length });
    const { state, backend } = await withFailover(
      {
        model: job.model,
        capability: "chat",
        ...(job.stream ? {} : { onRestart: restart }),
        call: async (backend, seconds) => {
          const { onFirstToken, onUncancelled } = generationMetrics(deps, job.model);
          const options = { signal: limits.signal, onContent, onFirstToken: () => onFirstToken(backend, seconds), onUncancelled };
          return { state: await deps.client.streamCompletion(backend, llamaCompletionBody(job, choice.prompt), options), backend };
        },
      },
      limits,
      deps,
      run.log,
    );
    choice.finish = state.finishReason ?? "stop";
    choice.usage = await resolveUsage(state, promptString(choice.prompt), backend, deps.client);
    choice.backend = backend;
    if (job.stream) publish(choice, "", null, choice.finish);
    return choice;
  };

  try {
    const done = await dispatchBatches(choices, 1, end.limits(), async ([choice], _offset, batchLimits) => [
      await runPrompt(choice!, batchLimits),
    ]);
    const usage = sumUsage(done.map((c) => c.usage!));
    const response: TextCompletion = {
      ...identity,
      object: "text_completion",
      choices: done.map((c) => ({
        text: c.echo + c.text.join(""),
        index: c.index,
        logprobs: top === undefined ? null : joinLegacyLogprobs(c.logprobs),
        finish_reason: c.finish,
      })),
      usage,
    };
    await end.succeed({ type: "result", response }, { usage, backend: done[0]!.backend! });
    run.log.info(
      {
        choices: done.length,
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        ms: Date.now() - end.startedAt,
      },
      "completion job completed",
    );
    return { choices: done.length, usage };
  } catch (err) {
    // Every choice that said something is billed: finished ones at their usage, the others at what they said.
    const produced = async () => {
      const said = choices.filter((c) => c.usage || c.tokens > 0);
      const backend = said.find((c) => c.backend)?.backend ?? (err instanceof UpstreamError ? err.backend : undefined);
      if (said.length === 0 || backend === undefined) return undefined;
      const usages = await Promise.all(
        said.map(
          (c) =>
            c.usage ?? resolveUsage({ tokens: c.tokens, usage: null, finishReason: null }, promptString(c.prompt), backend, deps.client),
        ),
      );
      return { usage: sumUsage(usages), backend };
    };
    return end.fail(err, produced, { tokens: choices.reduce((n, c) => n + c.tokens, 0) });
  }
}

function sumUsage(usages: readonly Usage[]): Usage {
  const prompt = usages.reduce((n, u) => n + u.prompt_tokens, 0);
  const completion = usages.reduce((n, u) => n + u.completion_tokens, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
