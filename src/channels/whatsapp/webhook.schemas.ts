import { z } from 'zod';

/** The chatbot whose WhatsApp number Meta calls about. */
export const whatsAppChatbotParamSchema = z.object({ chatbotId: z.uuid() });

/** Meta's verification handshake (GET): echo `hub.challenge` when the verify token matches. */
export const whatsAppHandshakeQuerySchema = z.object({
  'hub.mode': z.string(),
  'hub.verify_token': z.string(),
  'hub.challenge': z.string().max(1024),
});

/** The parts of Meta's `whatsapp_business_account` webhook we read; Meta adds fields freely. */
export const whatsAppPayloadSchema = z.looseObject({
  entry: z.array(
    z.looseObject({
      changes: z.array(
        z.looseObject({
          field: z.string(),
          value: z.looseObject({
            metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
            messages: z
              .array(
                z.looseObject({
                  from: z.string().min(1).max(255),
                  id: z.string().min(1).max(255),
                  type: z.string(),
                  text: z.looseObject({ body: z.string() }).optional(),
                }),
              )
              .optional(),
            statuses: z
              .array(
                z.looseObject({
                  id: z.string().min(1).max(255),
                  status: z.string(),
                  errors: z
                    .array(
                      z.looseObject({
                        code: z.number(),
                        title: z.string().optional(),
                        message: z.string().optional(),
                        error_data: z.looseObject({ details: z.string() }).optional(),
                      }),
                    )
                    .optional(),
                }),
              )
              .optional(),
          }),
        }),
      ),
    }),
  ),
});

export type WhatsAppPayload = z.infer<typeof whatsAppPayloadSchema>;
