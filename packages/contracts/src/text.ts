import { z } from "zod";

/**
 * Whether a string can be stored and passed on as it is: Postgres text cannot hold NUL (error
 * 22021, which would be a 500), and an unpaired UTF-16 surrogate has no UTF-8 form, so every
 * JSON or database consumer downstream would mangle or refuse it.
 */
export const isStorableText = (value: string): boolean => !value.includes("\u0000") && value.isWellFormed();

export const STORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired UTF-16 surrogates";

/**
 * Every string a client sends is this, checked once, here: a NUL or an unpaired surrogate is a
 * 400 naming the field, wherever the field is (bodies, queries, path ids).
 */
export const Text = z.string().refine(isStorableText, STORABLE_TEXT_MESSAGE);

/** An id in a request path (a conversation, a job, a stream): bounded, storable text. */
export const PathId = Text.min(1).max(128);
