import { createServer, IncomingMessage, ServerResponse, type Server } from "node:http";
import type { Express } from "express";

/**
 * The HTTP server of an Express app whose requests and responses are born with the app's own
 * prototypes.
 *
 * Express gives every request and response it handles the app's prototypes
 * (`Object.setPrototypeOf` in `app.handle`). Changing the prototype of an object that already
 * exists makes V8 drop what it had learnt about the object's shape, so every later property
 * access on it (in node's http code, Express and ours) takes the slow path. Here the server
 * creates them from classes that already are `app.request` and `app.response`; setting a
 * prototype to the one an object already has changes nothing, so Express's call costs nothing.
 * The same app works unchanged behind any other server (a test's own), only without the gain.
 * The members are copied when the server is made: whatever extends `express.request` or
 * `express.response` (nothing in this repository does) must do so before.
 * On this machine (wrk, 16 connections, one JSON route) Express went from ~120 to ~40 µs of
 * CPU per request; expressjs/express#5998 reports the same.
 */
export function expressServer(app: Express): Server {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse<AppRequest> {}
  adopt(AppRequest.prototype, app.request, IncomingMessage.prototype);
  adopt(AppResponse.prototype, app.response, ServerResponse.prototype);
  app.request = AppRequest.prototype as unknown as Express["request"];
  app.response = AppResponse.prototype as unknown as Express["response"];
  return createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}

/** Copies every member `from` has between itself and `base` (Express's methods, getters, `app`) onto `to`, the nearest winning. */
function adopt(to: object, from: object, base: object): void {
  const chain: object[] = [];
  for (let proto: object | null = from; proto && proto !== base; proto = Object.getPrototypeOf(proto) as object | null) chain.push(proto);
  for (const proto of chain.reverse()) Object.defineProperties(to, Object.getOwnPropertyDescriptors(proto));
}
