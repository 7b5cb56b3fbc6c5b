# MCP server for the Fly Machines API over Streamable HTTP, stateless so it can run on several machines.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The sources are not copied yet: the build runs below, not as the prepare script.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
# version.ts reads package.json at run time.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# The policy holds only key hashes; fly.toml mounts it. FLY_API_TOKEN comes from the environment.
CMD ["node", "dist/cli.js", "--transport", "http", "--host", "0.0.0.0", "--port", "8080", "--stateless", "--policy", "/etc/fly-mcp/policy.yaml"]
