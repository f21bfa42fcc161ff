import type OpenAI from "openai";

/** The tool the simulator's model calls when the user's message names it (see the test kit's chooseTools). */
export const WEATHER: OpenAI.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};
