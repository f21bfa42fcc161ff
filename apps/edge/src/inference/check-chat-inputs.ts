import type { ChatJob, ModelCapabilities } from "@gateway/contracts";
import { urlRefusal, type EgressPolicy } from "@gateway/egress";
import { AppError } from "@gateway/http";

/**
 * What the chat contract cannot know: whether this model can take the request's images and
 * tools (a 400 that says so, never a backend's 500), and whether a remote image's URL is one the
 * gateway may fetch (its text already a forbidden address: loopback, private, link-local…;
 * where a name resolves to is checked again when the worker fetches it).
 */
export function checkChatInputs(job: ChatJob, capabilities: ModelCapabilities | undefined, egress: EgressPolicy): void {
  const { params, model } = job;
  if ((params.tools?.length ?? 0) > 0 && capabilities?.function_calling === false) {
    throw new AppError("invalid_request", `model '${model}' cannot call tools: its backends run without tool support (--jinja)`, {
      param: "tools",
    });
  }
  params.messages.forEach((message, i) => {
    if (!Array.isArray(message.content)) return;
    message.content.forEach((part, j) => {
      if (part.type !== "image_url") return;
      if (capabilities?.vision !== true) {
        throw new AppError(
          "invalid_request",
          `model '${model}' cannot see images: none of its backends reports vision (a multimodal model with its projector)`,
          { param: `messages.${i}.content.${j}` },
        );
      }
      const url = part.image_url.url;
      const refusal = url.startsWith("data:") ? undefined : urlRefusal(url, egress);
      if (refusal) {
        throw new AppError("invalid_request", `the gateway may not fetch this image URL: ${refusal}`, {
          param: `messages.${i}.content.${j}.image_url.url`,
        });
      }
    });
  });
}
