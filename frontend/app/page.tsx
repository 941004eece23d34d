import { EmptyState } from "@/components/empty-state";

export default function HomePage() {
  return <EmptyState />;
}
