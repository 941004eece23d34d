import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The browser talks to the API directly (NEXT_PUBLIC_API_URL, read at request time); nothing to proxy here.
  poweredByHeader: false,
};

export default nextConfig;
