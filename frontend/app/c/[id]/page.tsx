import { ChatPage } from "@/components/chat-page";

export default async function ConversationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ChatPage key={id} conversationId={id} />;
}
