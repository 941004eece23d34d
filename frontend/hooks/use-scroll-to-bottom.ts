"use client";

import { useCallback, useEffect, useRef, useState } from "react";

// Within this many pixels of the end counts as "at the bottom".
const NEAR_BOTTOM_PX = 48;

/**
 * Keeps a scrolling container at its end while its content grows, until the user scrolls up; scrolling back to the
 * end (or `scrollToBottom()`) follows again. Scrolls we make ourselves are told apart from the user's.
 */
export function useScrollToBottom<T extends HTMLElement>() {
  const container = useRef<T>(null);
  const content = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const ourScrollTop = useRef<number | null>(null);
  const [atBottom, setAtBottom] = useState(true);

  const jump = useCallback((behavior: ScrollBehavior = "instant") => {
    const element = container.current;
    if (!element) return;
    const target = element.scrollHeight - element.clientHeight;
    ourScrollTop.current = target;
    element.scrollTo({ top: target, behavior });
  }, []);

  const scrollToBottom = useCallback(
    (behavior: ScrollBehavior = "smooth") => {
      following.current = true;
      setAtBottom(true);
      jump(behavior);
    },
    [jump],
  );

  useEffect(() => {
    const element = container.current;
    const inner = content.current;
    if (!element || !inner) return;

    const onScroll = () => {
      const distance = element.scrollHeight - element.clientHeight - element.scrollTop;
      const near = distance <= NEAR_BOTTOM_PX;
      const ours = ourScrollTop.current !== null && Math.abs(element.scrollTop - ourScrollTop.current) <= 2;
      if (ours) {
        ourScrollTop.current = null;
      } else {
        following.current = near;
      }
      setAtBottom(near);
    };
    // The user's own gestures stop following at once, even before the scroll event lands.
    const onWheel = (event: WheelEvent) => {
      if (event.deltaY < 0) following.current = false;
    };
    const onKey = (event: KeyboardEvent) => {
      if (["ArrowUp", "PageUp", "Home"].includes(event.key)) following.current = false;
    };

    const observer = new ResizeObserver(() => {
      if (following.current) jump();
    });
    observer.observe(inner);
    element.addEventListener("scroll", onScroll, { passive: true });
    element.addEventListener("wheel", onWheel, { passive: true });
    element.addEventListener("keydown", onKey);
    jump();
    return () => {
      observer.disconnect();
      element.removeEventListener("scroll", onScroll);
      element.removeEventListener("wheel", onWheel);
      element.removeEventListener("keydown", onKey);
    };
  }, [jump]);

  return { container, content, atBottom, scrollToBottom };
}
