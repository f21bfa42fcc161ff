import { describe, expect, it } from "vitest";
import { SIM_IMAGE_TOKENS, simPromptTokens } from "./index.ts";
import { postJson, useSims } from "./test-client.ts";

const start = useSims();
const PNG = "data:image/png;base64,iVBORw0KGgo=";
const withImage = (url: string) => [
  {
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url } },
    ],
  },
];

async function ask(url: string, body: object) {
  const res = await postJson(`${url}/v1/chat/completions`, body);
  return {
    status: res.status,
    body: (await res.json()) as { usage?: { prompt_tokens: number }; error?: { message: string }; choices?: unknown },
  };
}

describe("chat content", () => {
  it("when a developer message comes, then it is accepted and counted like a system message", async () => {
    const { url } = await start();
    const developer = [
      { role: "developer", content: "Be brief." },
      { role: "user", content: "Hi" },
    ];
    const { status, body } = await ask(url, { messages: developer });
    expect(status).toBe(200);
    expect(body.usage?.prompt_tokens).toBe(simPromptTokens([{ role: "system", content: "Be brief." }, developer[1]!]));
  });

  it("when an image part comes to a server without a vision projector, then it is a 500 in each build's words", async () => {
    const newer = await ask((await start()).url, { messages: withImage(PNG) });
    expect(newer.status).toBe(500);
    expect(newer.body.error?.message).toBe(
      "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj",
    );
    const legacy = await ask((await start({ toolsMode: "legacy" })).url, { messages: withImage(PNG) });
    expect(legacy.status).toBe(500);
    expect(legacy.body.error?.message).toBe(
      `Failed to parse messages: Unsupported content part type: "image_url"; messages = ${JSON.stringify(withImage(PNG), null, 2)}`,
    );
  });

  it("when vision is on, then an image data URL is accepted, costs SIM_IMAGE_TOKENS, and /props says vision", async () => {
    const { url } = await start({ vision: true });
    const { status, body } = await ask(url, { messages: withImage(PNG), max_tokens: 2 });
    expect(status).toBe(200);
    expect(body.usage?.prompt_tokens).toBe(simPromptTokens(withImage(PNG)));
    expect(simPromptTokens(withImage(PNG))).toBe(simPromptTokens([{ role: "user", content: "What is this?" }]) + SIM_IMAGE_TOKENS);
    expect(await (await fetch(`${url}/props`)).json()).toMatchObject({ modalities: { vision: true, audio: false } });
  });

  it.each([
    ["a URL that is no data URL", "ftp://x/y.png", "Invalid url value"],
    ["a data URL of no image", "data:text/plain;base64,aGk=", "Invalid url format: data:text/plain;base64"],
    ["a data URL not in base64", "data:image/png;utf8,abc", "url must be base64 encoded"],
  ])("when vision is on and the image is %s, then it is refused as the newer build refuses it", async (_name, image, message) => {
    const { url } = await start({ vision: true });
    expect(await ask(url, { messages: withImage(image) })).toMatchObject({ status: 500, body: { error: { message } } });
  });

  it("when vision is off, then /props says so on newer builds and says nothing of modalities on b4748", async () => {
    expect(await (await fetch(`${(await start()).url}/props`)).json()).toMatchObject({ modalities: { vision: false } });
    expect(await (await fetch(`${(await start({ toolsMode: "legacy" })).url}/props`)).json()).not.toHaveProperty("modalities");
  });
});

describe("ill-shaped messages on build b4748", () => {
  it.each([
    [
      "messages that are no array",
      "hello",
      `Failed to parse messages: Expected 'messages' to be an array, got "hello"; messages = "hello"`,
    ],
    [
      "a message without content",
      [{ role: "user" }],
      `Failed to parse messages: Expected 'content' (ref: https://github.com/ggml-org/llama.cpp/issues/8367); messages = [\n  {\n    "role": "user"\n  }\n]`,
    ],
    [
      "content of the wrong type",
      [{ role: "user", content: 5 }],
      `Failed to parse messages: Invalid 'content' type: expected string or array, got 5 (ref: https://github.com/ggml-org/llama.cpp/issues/8367); messages = [\n  {\n    "role": "user",\n    "content": 5\n  }\n]`,
    ],
    [
      "a message without role",
      [{ content: "hi" }],
      `Failed to parse messages: Missing 'role' in message: {"content":"hi"}; messages = [\n  {\n    "content": "hi"\n  }\n]`,
    ],
  ])("when the request has %s, then it is the 500 OBSERVED.md quotes", async (_name, messages, message) => {
    const { url } = await start({ toolsMode: "legacy" });
    expect(await ask(url, { messages })).toEqual({ status: 500, body: { error: { code: 500, message, type: "server_error" } } });
  });
});
