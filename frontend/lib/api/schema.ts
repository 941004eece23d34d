/**
 * GENERATED from the backend's OpenAPI document by frontend/scripts/openapi-types.mjs: do not edit.
 * Regenerate with `npm run openapi` (in frontend/); `make test-frontend` fails while this file is stale.
 */

export interface paths {
    "/auth/guest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Guest
         * @description A guest account, without a form, with tighter limits; register later to keep its conversations.
         */
        post: operations["guest_auth_guest_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Login */
        post: operations["login_auth_login_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Logout
         * @description End this session, and its open streams.
         */
        post: operations["logout_auth_logout_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/logout-everywhere": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Logout Everywhere
         * @description End every session of the account, on every device, and their open streams.
         */
        post: operations["logout_everywhere_auth_logout_everywhere_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Me */
        get: operations["me_auth_me_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/me/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * My Usage
         * @description Input and output tokens of the caller's answers, per UTC day, newest first; days without answers are left
         *     out. Stopped, failed and interrupted answers count too (estimated when the model reported nothing), and deleting
         *     a conversation does not take back what it cost. ``daily_token_quota`` is the caller's limit on input plus output
         *     tokens per UTC day (null: none); once today's reach it, sending answers 429 until midnight UTC.
         */
        get: operations["my_usage_auth_me_usage_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change Password
         * @description Set a new password. Every session of the account ends, and its open streams with it; this request's session
         *     is replaced by the one returned.
         */
        post: operations["change_password_auth_password_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register
         * @description Create an account and sign in. Called in a guest's session, the guest's conversations become the new
         *     account's.
         */
        post: operations["register_auth_register_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/conversations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Conversations
         * @description The caller's conversations, most recently active first; with ``q``, those that match, best match first,
         *     each with a snippet of where it matched.
         */
        get: operations["list_conversations_conversations_get"];
        put?: never;
        /**
         * Create Conversation
         * @description Create a conversation. With a ``message``, it is sent at once, as ``POST /conversations/{id}/messages``
         *     would (stream the answer from ``first_message.task_id``), and counts against the same limits; when the message
         *     is refused (429) nothing is created.
         */
        post: operations["create_conversation_conversations_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/conversations/{conversation_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get Conversation
         * @description The conversation with its current branch; each message lists its versions (``sibling_ids``), which
         *     ``POST /conversations/{id}/branch`` switches to.
         */
        get: operations["get_conversation_conversations__conversation_id__get"];
        put?: never;
        post?: never;
        /** Delete Conversation */
        delete: operations["delete_conversation_conversations__conversation_id__delete"];
        options?: never;
        head?: never;
        /**
         * Update Conversation
         * @description Rename it, pick its model (one of ``GET /models``), or set its instructions; null model or instructions go
         *     back to the defaults. Fields left out are kept.
         */
        patch: operations["update_conversation_conversations__conversation_id__patch"];
        trace?: never;
    };
    "/conversations/{conversation_id}/branch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Select Branch
         * @description Show the branch through ``message_id`` (a version listed in some message's ``sibling_ids``), down to the
         *     newest message below it: for every device, since it is the conversation's. Returns the conversation as
         *     ``GET /conversations/{id}`` would.
         */
        post: operations["select_branch_conversations__conversation_id__branch_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/conversations/{conversation_id}/export/json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export Json
         * @description The conversation as a JSON file to download: its current branch, or the whole tree (each message with its
         *     ``parent_id``).
         */
        get: operations["export_json_conversations__conversation_id__export_json_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/conversations/{conversation_id}/export/markdown": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export Markdown
         * @description The current branch as a Markdown file to download (the whole tree is JSON's: ``/export/json?scope=tree``).
         */
        get: operations["export_markdown_conversations__conversation_id__export_markdown_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/conversations/{conversation_id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send Message
         * @description Store the message and queue the answer; stream it from ``GET /stream/{task_id}``. The message follows
         *     ``parent_id`` when given (an answer of this conversation, or null for a new first turn: how an edited message
         *     starts a new branch), else the end of the current branch; either way it becomes the branch shown. 429 when the
         *     caller sends too often (per user, per network address), has too many answers in progress, or has spent today's
         *     token quota (``GET /auth/me/usage``).
         */
        post: operations["send_message_conversations__conversation_id__messages_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Healthz
         * @description The process is up.
         */
        get: operations["healthz_healthz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/messages/{assistant_message_id}/regenerate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Regenerate Answer
         * @description A new answer to the same question, as another version beside this one (the question is not repeated), made
         *     the branch shown; stream it from ``GET /stream/{task_id}``. The same limits as a send apply.
         */
        post: operations["regenerate_answer_messages__assistant_message_id__regenerate_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Models
         * @description The models a conversation may pick, and the one it gets by default.
         */
        get: operations["list_models_models_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readyz
         * @description Redis and PostgreSQL answer. With the operator token, also which check failed and how, and the model.
         */
        get: operations["readyz_readyz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stream/{task_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream
         * @description Stream a generation's events after a cursor: `{"content"}`, `{"reasoning"}`, `{"snapshot"}`, then
         *     `{"done"}` or `{"error"}`.
         */
        get: operations["stream_stream__task_id__get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stream/{task_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel
         * @description Stop generating (not just this connection): the partial answer is kept with status `cancelled`, and
         *     every viewer's stream ends with `{"done": true, "status": "cancelled"}`. Safe to repeat. An answer whose
         *     worker is gone is ended at once; one a worker holds (or held until moments ago) ends within about 3 s
         *     (`status` says `streaming` meanwhile).
         */
        post: operations["cancel_stream__task_id__cancel_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** BranchSelection */
        BranchSelection: {
            /**
             * Message Id
             * Format: uuid
             */
            message_id: string;
        };
        /** ConversationCreate */
        ConversationCreate: {
            /** Instructions */
            instructions?: string | null;
            /** Message */
            message?: string | null;
            /** Model */
            model?: string | null;
            /** Title */
            title?: string | null;
        };
        /** ConversationCreated */
        ConversationCreated: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            first_message?: components["schemas"]["SendMessageAccepted"] | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Instructions */
            instructions?: string | null;
            /** Model */
            model?: string | null;
            /** Title */
            title?: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** ConversationExport */
        ConversationExport: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Exported At
             * Format: date-time
             */
            exported_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Instructions */
            instructions?: string | null;
            /** Messages */
            messages: components["schemas"]["MessagePublic"][];
            /** Model */
            model?: string | null;
            /**
             * Scope
             * @enum {string}
             */
            scope: "branch" | "tree";
            /** Title */
            title?: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** ConversationListed */
        ConversationListed: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Instructions */
            instructions?: string | null;
            /** Model */
            model?: string | null;
            /** Snippet */
            snippet?: components["schemas"]["SnippetPart"][] | null;
            /** Title */
            title?: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** ConversationPublic */
        ConversationPublic: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Instructions */
            instructions?: string | null;
            /** Model */
            model?: string | null;
            /** Title */
            title?: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** ConversationsPublic */
        ConversationsPublic: {
            /** Count */
            count: number;
            /** Data */
            data: components["schemas"]["ConversationListed"][];
            /** Next Cursor */
            next_cursor?: string | null;
        };
        /**
         * ConversationUpdate
         * @description Only the fields given change. ``model`` or ``instructions`` set to null go back to the defaults.
         * @example {
         *       "title": "Trip to Lisbon"
         *     }
         * @example {
         *       "instructions": "Be brief."
         *     }
         */
        ConversationUpdate: {
            /** Instructions */
            instructions?: string | null;
            /** Model */
            model?: string | null;
            /** Title */
            title?: string;
        };
        /** ConversationWithMessages */
        ConversationWithMessages: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Instructions */
            instructions?: string | null;
            /** Messages */
            messages: components["schemas"]["MessagePublic"][];
            /** Model */
            model?: string | null;
            /** Title */
            title?: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
        };
        /** Credentials */
        Credentials: {
            /**
             * Email
             * Format: email
             */
            email: string;
            /** Password */
            password: string;
        };
        /** HTTPValidationError */
        HTTPValidationError: {
            /** Detail */
            detail?: components["schemas"]["ValidationError"][];
        };
        /** LlmDetail */
        LlmDetail: {
            /** Api Style */
            api_style: string;
            /** Base Url */
            base_url: string;
            /** Model */
            model: string;
            /** Simulated */
            simulated: boolean;
        };
        /** MessageCreate */
        MessageCreate: {
            /** Content */
            content: string;
            /** Parent Id */
            parent_id?: string | null;
        };
        /** MessagePublic */
        MessagePublic: {
            /**
             * Content
             * @default
             */
            content: string;
            /**
             * Conversation Id
             * Format: uuid
             */
            conversation_id: string;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Error */
            error?: string | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Input Tokens */
            input_tokens?: number | null;
            /** Model */
            model?: string | null;
            /** Output Tokens */
            output_tokens?: number | null;
            /** Parent Id */
            parent_id: string | null;
            /**
             * Reasoning
             * @default
             */
            reasoning: string;
            role: components["schemas"]["MessageRole"];
            /** Sibling Ids */
            sibling_ids: string[];
            /** Simulated */
            simulated?: boolean | null;
            status: components["schemas"]["MessageStatus"];
            /** Stream Seq */
            stream_seq: number;
            /** Task Id */
            task_id?: string | null;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
            /** Usage Estimated */
            usage_estimated?: boolean | null;
        };
        /**
         * MessageRole
         * @enum {string}
         */
        MessageRole: "user" | "assistant";
        /**
         * MessageStatus
         * @enum {string}
         */
        MessageStatus: "pending" | "streaming" | "completed" | "failed" | "cancelled";
        /** ModelPublic */
        ModelPublic: {
            /** Id */
            id: string;
            /** Simulated */
            simulated: boolean;
        };
        /** ModelsPublic */
        ModelsPublic: {
            /** Data */
            data: components["schemas"]["ModelPublic"][];
            /** Default */
            default: string;
        };
        /** PasswordChange */
        PasswordChange: {
            /** Current Password */
            current_password: string;
            /** New Password */
            new_password: string;
        };
        /**
         * Readiness
         * @description Anonymous callers get ``status`` only; the operator (``Authorization: Bearer <OPERATOR_TOKEN>``) also gets
         *     each check, with its error, and the model the worker uses.
         */
        Readiness: {
            /** Checks */
            checks?: {
                [key: string]: string;
            } | null;
            llm?: components["schemas"]["LlmDetail"] | null;
            /**
             * Status
             * @enum {string}
             */
            status: "ready" | "unavailable";
        };
        /**
         * SendMessageAccepted
         * @description Answer to a sent message (or a regenerated answer): the spec's shape plus the assistant message that will
         *     hold the answer; ``message_id`` is the question it answers.
         */
        SendMessageAccepted: {
            /**
             * Assistant Message Id
             * Format: uuid
             */
            assistant_message_id: string;
            /**
             * Message Id
             * Format: uuid
             */
            message_id: string;
            /**
             * Status
             * @default processing
             * @constant
             */
            status: "processing";
            /** Task Id */
            task_id: string;
        };
        /**
         * SessionIssued
         * @description A new session: ``token`` is also set as the HttpOnly session cookie; scripts send it as
         *     ``Authorization: Bearer <token>``.
         */
        SessionIssued: {
            /**
             * Expires At
             * Format: date-time
             */
            expires_at: string;
            /** Token */
            token: string;
            user: components["schemas"]["UserPublic"];
        };
        /** SnippetPart */
        SnippetPart: {
            /** Match */
            match: boolean;
            /** Text */
            text: string;
        };
        /**
         * StopAccepted
         * @description Answer to a stop request: ``cancelled`` (or another final status) when it is over, ``streaming`` while
         *     the worker is stopping it; the stream's terminal event follows either way.
         */
        StopAccepted: {
            status: components["schemas"]["MessageStatus"];
            /** Task Id */
            task_id: string;
        };
        /** UsageDayPublic */
        UsageDayPublic: {
            /** Answers */
            answers: number;
            /**
             * Day
             * Format: date
             */
            day: string;
            /** Input Tokens */
            input_tokens: number;
            /** Output Tokens */
            output_tokens: number;
        };
        /** UsagePublic */
        UsagePublic: {
            /** Daily Token Quota */
            daily_token_quota: number | null;
            /** Days */
            days: components["schemas"]["UsageDayPublic"][];
        };
        /** UserPublic */
        UserPublic: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Email */
            email: string | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Is Guest */
            is_guest: boolean;
        };
        /** ValidationError */
        ValidationError: {
            /** Context */
            ctx?: Record<string, never>;
            /** Input */
            input?: unknown;
            /** Location */
            loc: (string | number)[];
            /** Message */
            msg: string;
            /** Error Type */
            type: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    guest_auth_guest_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionIssued"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    login_auth_login_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Credentials"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionIssued"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Wrong email or password (the same answer for an unknown email) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    logout_auth_logout_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    logout_everywhere_auth_logout_everywhere_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    me_auth_me_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPublic"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    my_usage_auth_me_usage_get: {
        parameters: {
            query?: {
                /** @description How many days back, today (UTC) included */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UsagePublic"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    change_password_auth_password_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChange"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionIssued"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Wrong current password, or a guest */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    register_auth_register_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Credentials"];
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionIssued"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description An account with this email already exists */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    list_conversations_conversations_get: {
        parameters: {
            query?: {
                /** @description The previous page's next_cursor, with the same q; left out for the first page */
                cursor?: string | null;
                limit?: number;
                /** @description Words to find in titles and messages (web search syntax: "a phrase", or, -word) */
                q?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationsPublic"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    create_conversation_conversations_post: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ConversationCreate"] | null;
            };
        };
        responses: {
            /** @description Successful Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationCreated"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such model offered (GET /models) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    get_conversation_conversations__conversation_id__get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationWithMessages"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    delete_conversation_conversations__conversation_id__delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    update_conversation_conversations__conversation_id__patch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ConversationUpdate"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationPublic"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation, or no such model offered (GET /models) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    select_branch_conversations__conversation_id__branch_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BranchSelection"];
            };
        };
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationWithMessages"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation, or no such message in it */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    export_json_conversations__conversation_id__export_json_get: {
        parameters: {
            query?: {
                /** @description branch: the one shown; tree: every message */
                scope?: "branch" | "tree";
            };
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConversationExport"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    export_markdown_conversations__conversation_id__export_markdown_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/markdown": string;
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    send_message_conversations__conversation_id__messages_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                conversation_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MessageCreate"];
            };
        };
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendMessageAccepted"];
                };
            };
            /** @description The body cannot be read as JSON text (it is not UTF-8, or nested too deeply) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such conversation, or parent_id names no answer of it */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description An answer is still being generated in this conversation */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description The request body is larger than MAX_REQUEST_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    healthz_healthz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string;
                    };
                };
            };
        };
    };
    regenerate_answer_messages__assistant_message_id__regenerate_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                assistant_message_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendMessageAccepted"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such answer */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description An answer is still being generated in this conversation */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description A limit is spent; the Retry-After header says in how many seconds it is not */
            429: {
                headers: {
                    /** @description Seconds until the limit allows it */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    list_models_models_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelsPublic"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    readyz_readyz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Redis and PostgreSQL answer */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Redis or PostgreSQL does not answer */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    stream_stream__task_id__get: {
        parameters: {
            query?: {
                /** @description Resume after this event id */
                after?: number | null;
                /** @description Add "t", the event's append time in µs since the epoch, to each data object */
                timing?: boolean;
            };
            header?: {
                /** @description Standard SSE resume header */
                "last-event-id"?: string;
            };
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Server-Sent Events; each `data:` is a JSON object, each `id:` the event's sequence */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": {
                        data: string;
                        id: string;
                    };
                };
            };
            /** @description The client already has every event, the terminal one included */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Last-Event-ID is not an event id (an integer from 0 to 999999999999999999) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such task */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
    cancel_stream__task_id__cancel_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                task_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StopAccepted"];
                };
            };
            /** @description No session cookie or Bearer token, or one that expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description No such task */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description PostgreSQL or Redis is unavailable; retry shortly */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Detail */
                        detail: string;
                    };
                };
            };
        };
    };
}

/** From the OpenAPI document's maxLength: the API's limits as configured by default (MAX_MESSAGE_CHARS). */
export const limits = {
    /** The longest message, in characters: Unicode code points, as the API counts them (an emoji is one). */
    messageChars: 32000,
} as const;
