import type { ReactNode } from "react";

/** Why the last send failed (or what the conversation needs), shown above the composer, which still holds the
 * text: `onRetry` sends it again. `children` are further actions of the page that shows it. */
export function ComposerNotice({
  text,
  onRetry,
  testId,
  children,
}: {
  text: string;
  onRetry?: () => void;
  testId: string;
  children?: ReactNode;
}) {
  return (
    <div
      role="alert"
      className="mx-auto mb-2 flex w-full max-w-3xl items-center gap-2 px-4 text-sm text-danger"
      data-testid={testId}
    >
      <span className="flex-1">{text}</span>
      {onRetry && (
        <button type="button" className="underline" onClick={onRetry} data-testid="send-retry">
          Retry
        </button>
      )}
      {children}
    </div>
  );
}
