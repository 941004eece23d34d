import type { Metadata } from "next";

import { AuthForm } from "@/components/auth-form";

export const metadata: Metadata = { title: "Sign in · Resilient Chat" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? null;

function noticeFor(params: Record<string, string | string[] | undefined>): string | null {
  const signedOut = first(params["signed-out"]);
  if (signedOut === "everywhere") return "You have signed out on every device.";
  if (signedOut) return "You have signed out.";
  if (first(params.expired)) return "Your session has ended. Sign in again to carry on where you were.";
  return null;
}

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return <AuthForm mode="sign-in" next={first(params.next)} notice={noticeFor(params)} />;
}
