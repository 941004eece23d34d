"use client";

import { useEffect, useRef } from "react";

/**
 * Infinite scroll: calls `onVisible` when this end-of-list marker comes within reach of `root`'s visible part. Watched
 * afresh after every load, so that a page too short to push it out of view asks for the next one at once.
 */
export function LoadMoreSentinel({
  root,
  enabled,
  loading,
  onVisible,
  testId,
}: {
  root: React.RefObject<HTMLElement | null>;
  /** Whether there is more to load (and no error to show first). */
  enabled: boolean;
  loading: boolean;
  onVisible: () => void;
  testId: string;
}) {
  const marker = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = marker.current;
    if (!enabled || loading || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) onVisible();
      },
      // Some way ahead of the end: the next page is usually in before the user gets there.
      { root: root.current, rootMargin: "0px 0px 300px 0px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [root, enabled, loading, onVisible]);

  if (!enabled && !loading) return null;
  return (
    <div ref={marker} className="px-2 py-1.5 text-sm text-muted-foreground" data-testid={testId}>
      {loading ? "Loading more…" : " "}
    </div>
  );
}
