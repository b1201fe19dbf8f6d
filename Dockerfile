# jaminan, built from source; for docker-compose.yml.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/jaminan ./cmd/jaminan

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/jaminan /jaminan
EXPOSE 8080
ENTRYPOINT ["/jaminan"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
