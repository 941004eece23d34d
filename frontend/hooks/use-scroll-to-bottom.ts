"use client";

import { useCallback, useEffect, useRef, useState } from "react";

// Within this many pixels of the end counts as "at the bottom".
const NEAR_BOTTOM_PX = 48;
// Scroll events this long after we scrolled are ours (a smooth scroll passes through many positions).
const OWN_SCROLL_MS = { instant: 150, smooth: 1_000 } as const;

/**
 * Keeps a scrolling container at its end while its content grows, until the user scrolls up; scrolling back to the
 * end (or `scrollToBottom()`) follows again. Scrolls we make ourselves are told apart from the user's: ours are the
 * scroll events shortly after we scrolled, unless the user touched the wheel, the screen, the scrollbar or the keys
 * meanwhile; and without any such gesture since we last took over, no scroll is the user's (a smooth scroll that
 * outlasts its window on a busy machine, or the layout moving, does not stop the following).
 */
export function useScrollToBottom<T extends HTMLElement>() {
  const container = useRef<T>(null);
  const content = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const ownScrollUntil = useRef(0);
  // The user has touched the wheel, the screen, the scrollbar or the keys since we last took over.
  const userActed = useRef(false);
  const [atBottom, setAtBottom] = useState(true);

  const jump = useCallback((behavior: "instant" | "smooth" = "instant") => {
    const element = container.current;
    if (!element) return;
    ownScrollUntil.current = performance.now() + OWN_SCROLL_MS[behavior];
    element.scrollTo({ top: element.scrollHeight - element.clientHeight, behavior });
  }, []);

  const scrollToBottom = useCallback(
    (behavior: "instant" | "smooth" = "smooth") => {
      following.current = true;
      userActed.current = false;
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
      const near = element.scrollHeight - element.clientHeight - element.scrollTop <= NEAR_BOTTOM_PX;
      if (performance.now() < ownScrollUntil.current || !userActed.current) {
        if (near) ownScrollUntil.current = 0;
        setAtBottom(near || following.current);
        return;
      }
      following.current = near;
      // Back at the end by their own hand: following again, as if we had taken over.
      if (near) userActed.current = false;
      setAtBottom(near);
    };
    // The user's own gestures take over at once, even before their scroll event lands.
    const userTakesOver = () => {
      ownScrollUntil.current = 0;
      userActed.current = true;
    };
    const onWheel = (event: WheelEvent) => {
      userTakesOver();
      if (event.deltaY < 0) following.current = false;
    };
    const onKey = (event: KeyboardEvent) => {
      userTakesOver();
      if (["ArrowUp", "PageUp", "Home"].includes(event.key)) following.current = false;
    };

    const observer = new ResizeObserver(() => {
      if (following.current) jump();
    });
    observer.observe(inner);
    // The view itself shrinks too (a banner above, a taller message box below): stay at the end then as well.
    observer.observe(element);
    element.addEventListener("scroll", onScroll, { passive: true });
    element.addEventListener("wheel", onWheel, { passive: true });
    element.addEventListener("touchstart", userTakesOver, { passive: true });
    // Pressing on the container (its scrollbar included) is the user's too.
    element.addEventListener("pointerdown", userTakesOver, { passive: true });
    element.addEventListener("keydown", onKey);
    jump();
    return () => {
      observer.disconnect();
      element.removeEventListener("scroll", onScroll);
      element.removeEventListener("wheel", onWheel);
      element.removeEventListener("touchstart", userTakesOver);
      element.removeEventListener("pointerdown", userTakesOver);
      element.removeEventListener("keydown", onKey);
    };
  }, [jump]);

  return { container, content, atBottom, scrollToBottom };
}
