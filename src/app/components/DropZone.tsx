// A drop target for files and folders, with a picker button for keyboard and touch users.
import { useRef, useState, type ReactNode } from 'react';
import { filesFromDrop } from '../files';

export function DropZone({
  onFiles,
  children,
  testId,
  multiple = true,
  accept = 'image/*,video/*',
}: {
  onFiles(files: File[]): void;
  children: ReactNode;
  testId: string;
  multiple?: boolean;
  accept?: string;
}) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <div
      className={`dropzone ${over ? 'over' : ''}`}
      data-testid={testId}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void filesFromDrop(e.dataTransfer).then(
          (files) => files.length && onFiles(multiple ? files : files.slice(0, 1)),
        );
      }}
    >
      {children}
      <button type="button" onClick={() => input.current?.click()}>
        {multiple ? 'Pick files…' : 'Pick a file…'}
      </button>
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        data-testid={`${testId}-input`}
        multiple={multiple}
        accept={accept}
        tabIndex={-1}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </div>
  );
}
