import type { Conversation, ConversationMessage, ConversationReply, Usage } from "@gateway/contracts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { sortableId } from "./conversation-ids.ts";

interface ConversationRow {
  id: string;
  model: string;
  title: string | null;
  system_prompt: string | null;
  metadata: Record<string, string>;
  message_count: number;
  created_at: Date;
}

interface MessageRow {
  id: string;
  role: "user" | "assistant";
  content: string;
  tokens: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: Date;
}

/** A stored message with the token count the context fitting uses (null: never counted). */
export interface StoredMessage extends ConversationMessage {
  tokens: number | null;
}

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  object: "conversation",
  created: Math.floor(r.created_at.getTime() / 1000),
  model: r.model,
  title: r.title,
  system_prompt: r.system_prompt,
  metadata: r.metadata,
  message_count: r.message_count,
});

const toMessage = (r: MessageRow): StoredMessage => {
  const usage: Usage | null =
    r.completion_tokens === null
      ? null
      : {
          prompt_tokens: r.prompt_tokens ?? 0,
          completion_tokens: r.completion_tokens,
          total_tokens: (r.prompt_tokens ?? 0) + r.completion_tokens,
        };
  return {
    id: r.id,
    object: "conversation.message",
    role: r.role,
    content: r.content,
    created: Math.floor(r.created_at.getTime() / 1000),
    usage,
    tokens: r.tokens,
  };
};

/**
 * Conversations and their messages in the edge's database, always scoped by tenant: another
 * tenant's id reads as missing. Plain SQL through the edge's Prisma client: the statements that
 * matter (store a reply once and count it) are single statements with ON CONFLICT.
 */
export class ConversationRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(
    tenantId: string,
    fields: { model: string; title: string | null; system_prompt: string | null; metadata: Record<string, string> },
  ): Promise<Conversation> {
    const rows = await this.prisma.$queryRaw<ConversationRow[]>`
      INSERT INTO conversations (id, tenant_id, model, title, system_prompt, metadata)
      VALUES (${sortableId("conv")}, ${tenantId}, ${fields.model}, ${fields.title}, ${fields.system_prompt}, ${JSON.stringify(fields.metadata)}::jsonb)
      RETURNING *`;
    return toConversation(rows[0]!);
  }

  async get(tenantId: string, id: string): Promise<Conversation | undefined> {
    const rows = await this.prisma.$queryRaw<ConversationRow[]>`SELECT * FROM conversations WHERE id = ${id} AND tenant_id = ${tenantId}`;
    return rows[0] && toConversation(rows[0]);
  }

  /** Newest first; `after` is the last id of the previous page. One more row than asked says whether there are more. */
  async list(tenantId: string, limit: number, after: string | undefined): Promise<{ data: Conversation[]; hasMore: boolean }> {
    const rows = after
      ? await this.prisma.$queryRaw<
          ConversationRow[]
        >`SELECT * FROM conversations WHERE tenant_id = ${tenantId} AND id < ${after} ORDER BY id DESC LIMIT ${limit + 1}`
      : await this.prisma.$queryRaw<
          ConversationRow[]
        >`SELECT * FROM conversations WHERE tenant_id = ${tenantId} ORDER BY id DESC LIMIT ${limit + 1}`;
    return { data: rows.slice(0, limit).map(toConversation), hasMore: rows.length > limit };
  }

  async update(
    tenantId: string,
    id: string,
    fields: { title?: string | null | undefined; system_prompt?: string | null | undefined; metadata?: Record<string, string> | undefined },
  ): Promise<Conversation | undefined> {
    const rows = await this.prisma.$queryRaw<ConversationRow[]>`
      UPDATE conversations SET
        title = CASE WHEN ${fields.title !== undefined} THEN ${fields.title ?? null} ELSE title END,
        system_prompt = CASE WHEN ${fields.system_prompt !== undefined} THEN ${fields.system_prompt ?? null} ELSE system_prompt END,
        metadata = CASE WHEN ${fields.metadata !== undefined} THEN ${JSON.stringify(fields.metadata ?? {})}::jsonb ELSE metadata END,
        updated_at = now()
      WHERE id = ${id} AND tenant_id = ${tenantId}
      RETURNING *`;
    return rows[0] && toConversation(rows[0]);
  }

  /** Its messages go with it (ON DELETE CASCADE). */
  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.$executeRaw`DELETE FROM conversations WHERE id = ${id} AND tenant_id = ${tenantId}`) === 1;
  }

  /** Oldest first, after the message id `after`. */
  async messages(conversationId: string, limit: number, after: string | undefined): Promise<{ data: StoredMessage[]; hasMore: boolean }> {
    const rows = await this.prisma.$queryRaw<MessageRow[]>`
      SELECT * FROM conversation_messages WHERE conversation_id = ${conversationId} AND id > ${after ?? ""} ORDER BY id LIMIT ${limit + 1}`;
    return { data: rows.slice(0, limit).map(toMessage), hasMore: rows.length > limit };
  }

  /** The newest messages, newest first, as many as `limit`: enough history for any context. */
  async recent(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const rows = await this.prisma.$queryRaw<
      MessageRow[]
    >`SELECT * FROM conversation_messages WHERE conversation_id = ${conversationId} ORDER BY id DESC LIMIT ${limit}`;
    return rows.map(toMessage);
  }

  async addUserMessage(conversationId: string, content: string, tokens: number | null): Promise<StoredMessage> {
    const rows = await this.prisma.$queryRaw<MessageRow[]>`
      WITH ins AS (
        INSERT INTO conversation_messages (id, conversation_id, role, content, tokens)
        VALUES (${sortableId("msg")}, ${conversationId}, 'user', ${content}, ${tokens})
        RETURNING *
      ), counted AS (
        UPDATE conversations SET message_count = message_count + 1, updated_at = now() WHERE id = ${conversationId}
      )
      SELECT * FROM ins`;
    return toMessage(rows[0]!);
  }

  /**
   * Stores a reply once per request id, whoever comes first (the edge that waited for it, or the
   * queue consumer), and counts it only when stored; a deleted conversation stores nothing.
   */
  async addReply(reply: ConversationReply): Promise<void> {
    await this.prisma.$executeRaw`
      WITH ins AS (
        INSERT INTO conversation_messages (id, conversation_id, role, content, tokens, request_id, prompt_tokens, completion_tokens)
        SELECT ${sortableId("msg")}, c.id, 'assistant', ${reply.content}, ${reply.usage.completion_tokens}, ${reply.request_id}, ${reply.usage.prompt_tokens}, ${reply.usage.completion_tokens}
        FROM conversations c WHERE c.id = ${reply.conversation_id}
        ON CONFLICT (request_id) DO NOTHING
        RETURNING conversation_id
      )
      UPDATE conversations SET message_count = message_count + 1, updated_at = now() WHERE id IN (SELECT conversation_id FROM ins)`;
  }

  /** The reply a request stored in this conversation (the caller checked the conversation is its tenant's). */
  async replyTo(conversationId: string, requestId: string): Promise<StoredMessage | undefined> {
    const rows = await this.prisma.$queryRaw<MessageRow[]>`
      SELECT * FROM conversation_messages WHERE conversation_id = ${conversationId} AND request_id = ${requestId}`;
    return rows[0] && toMessage(rows[0]);
  }
}
