import type { Metadata } from "next";

import { AuthForm } from "@/components/auth-form";

export const metadata: Metadata = { title: "Create an account · Resilient Chat" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignUpPage({ searchParams }: { searchParams: SearchParams }) {
  const { next } = await searchParams;
  return <AuthForm mode="sign-up" next={(Array.isArray(next) ? next[0] : next) ?? null} notice={null} />;
}
