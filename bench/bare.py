"""The ceiling for bench/send.py: a bare FastAPI endpoint that validates a body and answers.

Served by the same uvicorn (uvloop, httptools), on the same core, as Tertulia is.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=16_000)
    client_msg_id: str | None = Field(None, max_length=64)


class Answer(BaseModel):
    id: str
    text: str


app = FastAPI()


@app.post("/api/v1/channels/{channel_id}/messages", status_code=201)
async def post(channel_id: str, body: Body) -> Answer:
    return Answer(id=channel_id, text=body.text)
