"""Uploads never overwrite silently: a name in the library is refused unless replacing is asked for,
and of two uploads of one name at once, one is saved and the other told."""
from __future__ import annotations

import threading

import pytest

from qa import UploadError
from qa.service import ChatService

NAME = "报告.txt"


@pytest.fixture
def service(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "incoming").mkdir()
    return ChatService(tmp_path / "data", tmp_path / "index")


def _upload(service, text: str, n: int = 0):
    path = service.data_dir.parent / "incoming" / f"{n}-{NAME}"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_name_in_the_library_is_refused_unless_replacing(service):
    assert service.save_upload(_upload(service, "一、概况\n第一版的内容。\n"), NAME) == NAME
    with pytest.raises(UploadError, match=f"{NAME} is already in the library"):
        service.save_upload(_upload(service, "一、概况\n第二版的内容。\n"), NAME)
    assert "第一版" in (service.data_dir / NAME).read_text(encoding="utf-8")
    assert service.save_upload(_upload(service, "一、概况\n第二版的内容。\n"), NAME, replace=True) == NAME
    assert "第二版" in (service.data_dir / NAME).read_text(encoding="utf-8")


def test_of_two_uploads_of_one_name_at_once_one_is_saved_and_the_others_told(service):
    uploads = [_upload(service, f"一、概况\n第{i}版的内容，各不相同。\n", i) for i in range(8)]
    saved, refused, start = [], [], threading.Barrier(len(uploads))

    def save(i: int) -> None:
        start.wait()
        try:
            service.save_upload(uploads[i], NAME)
            saved.append(i)
        except UploadError:
            refused.append(i)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(uploads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(saved) == 1 and len(refused) == len(uploads) - 1
    assert f"第{saved[0]}版" in (service.data_dir / NAME).read_text(encoding="utf-8")
    assert [p.name for p in service.data_dir.iterdir()] == [NAME]  # no hidden copy left behind
