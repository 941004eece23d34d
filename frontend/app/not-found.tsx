import Link from "next/link";

export default function NotFound() {
  return (
    <div className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <Link href="/" className="text-accent underline underline-offset-4">
        Back to your conversations
      </Link>
    </div>
  );
}
