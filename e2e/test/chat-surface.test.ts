import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SIM_IMAGE_TOKENS, simCompletion, simPromptTokens, startLlamaSim, type LlamaSim } from "@gateway/test-kit/llama-sim";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { usageRows } from "./billing-rows.ts";
import { MODEL, PRICE, startSystem, type System } from "./start-system.ts";

const VISION = "stories-vision";
let system: System;
let eyes: LlamaSim;
let images: Server;
let imageUrl: string;
let imageHits = 0;

beforeAll(async () => {
  // A vision backend (its /props reports vision) for a second model, and a server of images on this machine's loopback.
  eyes = await startLlamaSim({ vision: true });
  images = createServer((_req, res) => {
    imageHits++;
    res.writeHead(200, { "content-type": "image/png" }).end(Buffer.from("89504e470d0a1a0a", "hex"));
  }).listen(0, "127.0.0.1");
  await once(images, "listening");
  imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
  // The operator lets tenant URLs reach 127.0.0.0/8 here (the image server): other private ranges stay closed.
  const egress = { EGRESS_ALLOW_CIDRS: "127.0.0.0/8" };
  system = await startSystem({
    edgeEnv: egress,
    workerEnv: egress,
    extraModels: () => [{ id: VISION, backends: [eyes.url], price: PRICE }],
  });
});
afterAll(async () => {
  await system?.stop();
  await eyes?.close();
  images?.close();
});

const ask = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: "user", content }];

describe("when a client asks for structured output with the official openai SDK", () => {
  it("then chat.completions.parse with zodResponseFormat (zod 4) gives a parsed object of the schema", async () => {
    const Person = z.object({ name: z.string(), age: z.number().int() });
    const completion = await system.openai.chat.completions.parse({
      model: MODEL,
      messages: ask("Describe a person."),
      response_format: zodResponseFormat(Person, "person"),
      max_tokens: 200,
    });
    const parsed = completion.choices[0]!.message.parsed;
    expect(Person.parse(parsed)).toEqual(parsed);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
  });

  it("then json_object mode answers JSON", async () => {
    const res = await system.openai.chat.completions.create({
      model: MODEL,
      messages: ask("Answer in JSON."),
      response_format: { type: "json_object" },
      max_tokens: 200,
    });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual(expect.any(Object));
  });
});

describe("when a client asks for logprobs", () => {
  it("then a non-stream answer carries one entry per token with the asked alternatives", async () => {
    const res = await system.openai.chat.completions.create({
      model: MODEL,
      messages: ask("Tell me a story."),
      logprobs: true,
      top_logprobs: 2,
      max_tokens: 6,
    });
    const content = res.choices[0]!.logprobs!.content!;
    expect(content).toHaveLength(res.usage!.completion_tokens);
    expect(content.map((e) => e.token).join("")).toBe(res.choices[0]!.message.content);
    expect(content.every((e) => typeof e.logprob === "number" && e.top_logprobs.length === 2)).toBe(true);
  });

  it("then a stream carries each token's entry beside its delta, which the SDK's helper gathers", async () => {
    const stream = system.openai.chat.completions.stream({
      model: MODEL,
      messages: ask("Tell me a story."),
      logprobs: true,
      max_tokens: 6,
    });
    const final = await stream.finalChatCompletion();
    const content = final.choices[0]!.logprobs!.content!;
    expect(content.map((e) => e.token).join("")).toBe(final.choices[0]!.message.content);
    // logprobs without top_logprobs: no alternatives, as OpenAI answers (llama-server would give 20).
    expect(content.every((e) => e.top_logprobs.length === 0)).toBe(true);
  });
});

describe("when a client sends llama.cpp's own fields, roles and names", () => {
  it("then sampling fields in range, a developer message and names are accepted and answered", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "developer", content: "Be brief." },
      { role: "user", content: "Tell me about a girl and a red ball.", name: "ann" },
    ];
    const sampling = {
      top_k: 40,
      min_p: 0.05,
      typical_p: 1,
      repeat_penalty: 1.1,
      repeat_last_n: 64,
      mirostat: 0,
      samplers: ["top_k", "temperature"],
      cache_prompt: true,
    };
    const res = await system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 8, seed: 7, ...sampling } as never);
    expect((res as OpenAI.ChatCompletion).choices[0]!.message.content).toBe(simCompletion(messages as never, 8, { seed: 7 }).text);
  });

  it.each([
    ["top_k", -1, "invalid_request", "top_k"],
    ["min_p", 2, "invalid_request", "min_p"],
    ["mirostat", 3, "invalid_request", "mirostat"],
    ["samplers", ["nucleus"], "invalid_request", "samplers.0"],
    ["id_slot", 0, "unsupported_parameter", "id_slot"],
    ["n", 2, "invalid_request", "n"],
  ])("then %s %j is a 400 naming it", async (field, value, code, param) => {
    const err = await system.openai.chat.completions
      .create({ model: MODEL, messages: ask("hi"), [field]: value } as never)
      .catch((e: InstanceType<typeof OpenAI.BadRequestError>) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(code);
  });
});

describe("when a client sends images", () => {
  const withImage = (url: string): OpenAI.ChatCompletionMessageParam[] => [
    {
      role: "user",
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image_url", image_url: { url } },
      ],
    },
  ];
  const dataUrl = "data:image/png;base64,iVBORw0KGgo=";

  it("then a text-only model refuses them with a 400 that says it cannot see", async () => {
    const err = await system.openai.chat.completions.create({ model: MODEL, messages: withImage(dataUrl) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("messages.0.content.1");
    expect((err as Error).message).toContain("cannot see images");
  });

  it("then a vision model takes a data URL, and its image counts in the billed prompt", async () => {
    const messages = withImage(dataUrl);
    const { data, response } = await system.openai.chat.completions.create({ model: VISION, messages, max_tokens: 4 }).withResponse();
    expect(data.usage?.prompt_tokens).toBe(simPromptTokens(messages as never));
    expect(simPromptTokens(messages as never)).toBeGreaterThan(SIM_IMAGE_TOKENS);
    expect((await usageRows(system.db, response.headers.get("x-request-id")!))[0]).toMatchObject({
      prompt_tokens: data.usage?.prompt_tokens,
    });
  });

  it("then a remote image at an allowed address is fetched once by the gateway; one at a forbidden address is refused before anything runs", async () => {
    const before = imageHits;
    const res = await system.openai.chat.completions.create({ model: VISION, messages: withImage(imageUrl), max_tokens: 4 });
    expect(res.choices[0]!.message.content).toEqual(expect.any(String));
    expect(imageHits - before).toBe(1);
    const generations = eyes.stats.generations;
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://10.0.0.7/cat.png"]) {
      const err = await system.openai.chat.completions.create({ model: VISION, messages: withImage(url) }).catch((e: unknown) => e);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("messages.0.content.1.image_url.url");
    }
    expect(eyes.stats.generations).toBe(generations);
  });
});
