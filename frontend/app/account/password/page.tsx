import type { Metadata } from "next";

import { ChangePasswordForm } from "@/components/change-password-form";

export const metadata: Metadata = { title: "Change password · Resilient Chat" };

export default function ChangePasswordPage() {
  return <ChangePasswordForm />;
}
